"""The LMS-like host's URLs: the dev host's, plus sign-in, the chromeless unit page and the MFE's pages."""

from django.contrib.auth.views import LoginView
from django.urls import include, path

from devhost.mfe import views

urlpatterns = [
    path("login", LoginView.as_view(template_name="mfe/login.html"), name="login"),
    path("xblock/<str:scenario_id>", views.render_xblock, name="render_xblock"),
    path("course/<str:course_key>/home", views.course_home, name="mfe-course-home"),
    path("course/<str:course_key>/<str:scenario_id>", views.unit, name="mfe-unit"),
    path("", include("devhost.urls")),
]
