from django import template

from treatments.models import Comment

register = template.Library()


@register.simple_tag
def comment_counts():
    """What is waiting for the moderators, for the admin home page."""
    return {
        "pending": Comment.objects.in_moderation().count(),
        "unanswered": Comment.objects.unanswered_questions().count(),
    }
