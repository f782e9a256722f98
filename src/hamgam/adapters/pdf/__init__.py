"""PDF documents (fpdf2 with HarfBuzz text shaping, the storefront's Vazirmatn font embedded)."""
