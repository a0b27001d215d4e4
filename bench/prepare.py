"""Give the benchmark's treatment page 50 approved comments (idempotent), and make
sure no page cached by an earlier run (in a shared Redis) is served."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
django.setup()

from clinic.pagecache import bump_content_version  # noqa: E402
from treatments.models import Comment, CommentStatus, Treatment  # noqa: E402

COMMENTS = 50
treatment = Treatment.objects.get(slug="microneedling")
existing = Comment.objects.filter(page=treatment.page, author_name__startswith="Benchmark reader").count()
Comment.objects.bulk_create(
    Comment(
        page=treatment.page,
        author_name=f"Benchmark reader {number}",
        email=f"reader{number}@example.com",
        body="Three sessions in, the pitting on my cheeks is shallower.\nStill wearing sunscreen every day.",
        status=CommentStatus.APPROVED,
    )
    for number in range(existing + 1, COMMENTS + 1)
)
# bulk_create sends no signals.
bump_content_version()
