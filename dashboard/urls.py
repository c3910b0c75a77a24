from dashboard.views import (
    benchmarks,
    children,
    committee,
    fostering,
    indicators,
    mfa,
    overview,
    providers,
    targets,
    uploads,
)

urlpatterns = [
    *overview.urlpatterns,
    *indicators.urlpatterns,
    *children.urlpatterns,
    *committee.urlpatterns,
    *fostering.urlpatterns,
    *targets.urlpatterns,
    *benchmarks.urlpatterns,
    *providers.urlpatterns,
    *uploads.urlpatterns,
    *mfa.urlpatterns,
]
