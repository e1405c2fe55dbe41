"""Browser backends (worker side): a loopback page server, headless Chromium over the DevTools
protocol, and the in-page timing that hands samples back to the worker."""
