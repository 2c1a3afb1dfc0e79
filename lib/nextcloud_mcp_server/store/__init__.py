"""The token and webhook store (SQLAlchemy + Alembic); built in the store issue."""
