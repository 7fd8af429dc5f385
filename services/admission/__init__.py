"""职责准入: applications, automatic checks, reviews, consultation and the committee's decision."""
