"""Activities: every piece of I/O and every calendar computation the workflows ask for."""
