from dashboard.views import (
    benchmarks,
    children,
    committee,
    indicators,
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
    *targets.urlpatterns,
    *benchmarks.urlpatterns,
    *providers.urlpatterns,
    *uploads.urlpatterns,
]
