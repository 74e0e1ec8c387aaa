"""The delivery-receipt worker: End User Messaging events from the delivery queue."""
