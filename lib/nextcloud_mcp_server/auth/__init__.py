"""Who is calling, and which credential reaches Nextcloud on their behalf."""
