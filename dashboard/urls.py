from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.index, name="dashboard-index"),
    path("uploads/", views.uploads, name="dashboard-uploads"),
    path("uploads/new/", views.upload_new, name="dashboard-upload-new"),
    path("uploads/<int:upload_id>/", views.upload_detail, name="dashboard-upload-detail"),
    path(
        "uploads/<int:upload_id>/status.json", views.upload_status, name="dashboard-upload-status"
    ),
    path(
        "uploads/<int:upload_id>/problems.csv",
        views.upload_problems_csv,
        name="dashboard-upload-problems-csv",
    ),
]
