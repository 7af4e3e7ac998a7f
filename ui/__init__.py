"""Danish labels and formats, Plotly figure builders, shared widgets and downloads."""
