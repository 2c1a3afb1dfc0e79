"""The AppAPI face of the server (built in the ExApp issue); it imports the engine, never the reverse."""
