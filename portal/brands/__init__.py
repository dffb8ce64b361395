"""White-label: the brand of each host, its look (name, logo, colours and their contrast),
per-brand templates, and the middleware and context processor that apply them."""
