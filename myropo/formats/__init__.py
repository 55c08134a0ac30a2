"""Date and time formats as they are written in Finland, in each of our languages.

Django's own formats follow each language's home country: Swedish pages would show ISO dates
(2026-12-01) and English ones US dates (12/01/2026). In Finland both Finnish and Swedish write
1.12.2026 (sv-FI), and English is written day first (1 Dec 2026). Read by FORMAT_MODULE_PATH;
what a module leaves out comes from Django's locale.

Date inputs always accept ISO first: a browser's date picker sends 2026-12-15.
"""
