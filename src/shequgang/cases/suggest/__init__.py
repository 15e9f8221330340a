"""The category suggestion: which 小类 a resident's words most likely belong to.

``keywords`` holds the words people use for each default category (data, no imports);
``model`` trains a character n-gram TF-IDF + logistic regression classifier on the
active leaf categories' names, their keywords and past cases, keeps it per process and
trains again when the categories change; ``evaluate`` measures top-1/top-3 accuracy on a
fixed held-out split; ``api`` is the endpoint (GET /api/v1/cases/suggest-category).

May import: ``cases.models``, ``shequgang.reference_cache``, scikit-learn; ``api`` also
the shared API helpers. Nothing below ``suggest`` imports it."""
