"""The attached files (a directive's file, a task report's evidence), served to those who may see what they
belong to and to nobody else (404), always as a download (an uploaded page never runs in the portal's
origin). MEDIA_ROOT is never served as such."""

import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ..models import TaskReport
from ..selectors.directives import assignments_for_user, directives_for_user


def serve(field):
    """A download of a FileField's file; 404 when there is none or it is gone from the disk."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(field.name))


@login_required
def directive_file(request, pk):
    """GET /directing/<pk>/file/: the directive's file."""
    return serve(get_object_or_404(directives_for_user(request.user), pk=pk).file)


@login_required
def evidence(request, pk):
    """GET /directing/reports/<pk>/evidence/: a task report's evidence, for the users who see its assignment."""
    return serve(
        get_object_or_404(TaskReport.objects.filter(assignment__in=assignments_for_user(request.user)), pk=pk).evidence
    )
