"""smsadmin: the admin CLI of the SMS consent platform.

It talks to the local stack (``make run``) unsigned, or to a deployed stack whose admin routes use
API Gateway ``AWS_IAM`` authorisation, signing each request with SigV4 and the caller's AWS credentials.
"""

from __future__ import annotations

__version__ = "0.1.0"
