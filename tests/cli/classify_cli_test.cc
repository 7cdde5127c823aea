// Placeholder: filled in by the classify CLI tests.
#include <gtest/gtest.h>
