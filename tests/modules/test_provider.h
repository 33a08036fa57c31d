/* API that test_provider offers to test_consumer. */
#pragma once

typedef struct {
    int (*add)(int a, int b);
} TestProviderApi;
