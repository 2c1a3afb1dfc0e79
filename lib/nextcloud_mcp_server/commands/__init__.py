"""The CLI's sub-commands beyond `run` and `exapp`: argument parsing and printing live here, not in the
packages whose work they drive (store/, webhooks/)."""
