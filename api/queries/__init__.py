"""Read queries over one workspace's data file."""
