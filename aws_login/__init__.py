"""aws-login: get the AWS identity you need, fast and safely."""

__version__ = "0.1.0"
