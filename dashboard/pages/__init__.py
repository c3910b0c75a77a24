"""What each page shows, assembled from the reads: one module per page (or per area), each with
the one call its views make. No request reaches here: a view parses the request, calls one of
these, builds its tables and renders what it gets back."""
