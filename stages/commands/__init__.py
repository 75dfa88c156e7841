"""`lingtune` commands beyond scoring, one module each: chat, serve a web UI, export, recipes."""
