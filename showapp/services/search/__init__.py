"""Full-text search over public episodes, and keeping its index in step with commits."""
