"""The seed notebook's three scenarios, runnable offline against a scripted model."""
