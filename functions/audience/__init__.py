"""Customer events from the brand's systems (EventBridge): activity, purchases, abandoned carts."""
