"""The capture adapter: headless Chromium (Playwright) tours a Grafana dashboard and Pillow turns the
frames into the GIF preview; preview.py adapts it to the pipeline's Previewer port."""
