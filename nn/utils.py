"""nn.utils: gradient clipping and parameter vectors (filled in by its implementation)."""
