"""nn.init: weight initialisation schemes (filled in by its implementation)."""
