"""What several stages share: parameters, I/O, languages, prompts, model loading, tracking."""
