"""The site's trust and discovery: footer pages and badges staff edit, the sitemap and the price-comparison feed."""
