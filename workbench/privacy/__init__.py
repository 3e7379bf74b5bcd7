"""GDPR export and erasure of a customer: above every feature, each contributing its part."""
