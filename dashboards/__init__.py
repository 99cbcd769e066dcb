"""Dashboard: data access (``data``), plotly figure builders (``figures``) and thin pages."""
