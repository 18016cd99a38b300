"""Dev-host XBlock user service: the workbench's ``?student=`` id mapped onto a Django user.

It returns the same ``edx-platform.*`` attributes the LMS user service returns, so the block has one
code path for the LMS and the dev host.
"""

from django.contrib.auth import get_user_model
from xblock.reference.user_service import UserService, XBlockUser

from sessionroom_xblock.compat import is_course_staff, user_full_name, user_time_zone
from sessionroom_xblock.conf import setting


class DevUserService(UserService):
    """Looks the workbench student id up as a username; ``anonymous`` stands for a signed-out visitor."""

    runtime = None

    def get_current_user(self):
        """The current user, shaped like the LMS's XBlockUser."""
        student_id = getattr(self.runtime, "user_id", None)  # the workbench's ?student= value
        if not student_id or student_id in ("anonymous", "none"):
            current = XBlockUser(is_current_user=True)
            current.opt_attrs["edx-platform.is_authenticated"] = False
            return current
        user, _ = get_user_model().objects.get_or_create(username=str(student_id)[:150])
        current = XBlockUser(
            is_current_user=True, emails=[user.email] if user.email else [], full_name=user_full_name(user)
        )
        # As in the LMS, staff rights are those on the course the block lives in (the workbench's one course).
        staff = is_course_staff(user, setting("WORKBENCH_COURSE_KEY"))
        current.opt_attrs.update(
            {
                "edx-platform.is_authenticated": True,
                "edx-platform.user_id": user.pk,
                "edx-platform.username": user.username,
                "edx-platform.user_is_staff": staff,
                "edx-platform.user_role": "staff" if staff else "student",
                "edx-platform.user_preferences": {"time_zone": user_time_zone(user)},
            }
        )
        return current
