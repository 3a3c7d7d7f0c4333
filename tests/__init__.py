"""The test suite (a package, so its helpers in ``tests.support`` import like any module)."""
