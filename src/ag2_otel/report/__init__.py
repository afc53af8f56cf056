"""Static, self-contained HTML views of one conversation (`ag2_otel.show()`, `traces show --html`)."""
