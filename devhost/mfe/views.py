"""
The Learning MFE's unit page and the LMS's chromeless ``/xblock/`` page, as their sources behave.

- MFE (frontend-app-learning ``ContentIFrame``): one iframe on the LMS origin with the MFE's feature
  policy (each feature for every origin), ``allowfullscreen``, ``scrolling="no"``, ``referrerpolicy="origin"``,
  starting at height 0 and sized from ``plugin.resize`` messages. The page's own query string is not passed on.
- LMS (edx-platform ``render_xblock`` and ``courseware-chromeless.html``): exempt from X-Frame-Options, not
  in the request's transaction, sets the CSRF cookie, ``<base target="_parent">`` inside the MFE, and the
  resize script (``devhost/templates/mfe/chromeless.html``).
The block is rendered by the workbench runtime for the signed-in user.
"""

from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie
from workbench.runtime import WorkbenchRuntime
from workbench.scenarios import get_scenarios

#: frontend-app-learning's IFRAME_FEATURE_POLICY (recent releases; older ones lack ``autoplay *``).
IFRAME_FEATURE_POLICY = (
    "microphone *; camera *; midi *; geolocation *; encrypted-media *; clipboard-write *; autoplay *"
)


def lms_origin(request) -> str:
    """The LMS's origin, from the MFE's host (apps.<lms host>), on the same port."""
    host = request.get_host().replace(settings.MFE_HOST, settings.LMS_HOST, 1)
    return f"{request.scheme}://{host}"


def unit(request, course_key, scenario_id):
    """The MFE's unit page: the unit is one iframe of the LMS's chromeless page."""
    return render(
        request,
        "mfe/unit.html",
        {
            "course_key": course_key,
            "src": f"{lms_origin(request)}/xblock/{scenario_id}",
            "allow": IFRAME_FEATURE_POLICY,
        },
    )


def course_home(request, course_key):
    """Where the MFE's course home would be."""
    return render(request, "mfe/course_home.html", {"course_key": course_key})


@xframe_options_exempt
@transaction.non_atomic_requests
@ensure_csrf_cookie
def render_xblock(request, scenario_id):
    """The chromeless unit page with the block's student view, for the signed-in user."""
    student = request.user.username if request.user.is_authenticated else "anonymous"
    runtime = WorkbenchRuntime(student)
    block = runtime.get_block(get_scenarios()[scenario_id].usage_id)
    fragment = block.render("student_view", {})
    return render(
        request,
        "mfe/chromeless.html",
        {"fragment": fragment, "student_id": student, "is_learning_mfe": True},
    )
