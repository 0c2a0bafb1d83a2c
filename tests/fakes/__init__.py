"""Loopback fakes of AWS services that botocore and aws-login talk to in tests."""
