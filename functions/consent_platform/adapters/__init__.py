"""AWS adapters. boto3 clients are created lazily so that ``AWS_ENDPOINT_URL`` (local stack) and moto
work unchanged, and so that importing a handler stays cheap."""
