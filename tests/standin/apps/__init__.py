"""Emulated Nextcloud apps, one module each, on the kit (tests/standin/kit.py); mounted automatically."""
