"""White-label: the brand of each host, its look (name, logo, colours and their contrast),
per-brand templates, the operators' admin, and the operators' check of a brand's upstream."""
