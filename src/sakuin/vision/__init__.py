"""Image + language: detect what a prompt names, classify, read text, and ask about a picture."""
