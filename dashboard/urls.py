from dashboard.views import overview, uploads

urlpatterns = [
    *overview.urlpatterns,
    *uploads.urlpatterns,
]
