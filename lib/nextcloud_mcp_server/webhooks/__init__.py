"""Webhook receiver and processing; built in the webhooks issue."""
