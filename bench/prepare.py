"""Give the benchmark's treatment page 50 approved comments (idempotent)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
django.setup()

from treatments.models import Comment, CommentStatus, Treatment  # noqa: E402

COMMENTS = 50
treatment = Treatment.objects.get(slug="microneedling")
existing = Comment.objects.filter(treatment=treatment, author_name__startswith="Benchmark reader").count()
Comment.objects.bulk_create(
    Comment(
        treatment=treatment,
        author_name=f"Benchmark reader {number}",
        email=f"reader{number}@example.com",
        body="Three sessions in, the pitting on my cheeks is shallower.\nStill wearing sunscreen every day.",
        status=CommentStatus.APPROVED,
    )
    for number in range(existing + 1, COMMENTS + 1)
)
