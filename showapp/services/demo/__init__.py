"""The demo network that `showapp demo` seeds, with audio it encodes itself."""
