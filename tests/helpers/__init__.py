"""Test helpers shared by the apps' test folders: each app's tests import them from here, never
from another app's folder or from a test module."""
