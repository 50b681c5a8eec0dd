"""One router per resource: ``health``, ``public`` (privacy notice, accessibility statement),
``respondent`` (the questionnaire at ``/r/<token>``); staff pages and the JSON API in
``staff*.py`` and ``api*.py``."""
