"""Shequgang (社区港): the community-governance platform."""
