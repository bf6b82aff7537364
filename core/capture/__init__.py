"""The capture adapter: headless Chromium (Playwright) tours a Grafana dashboard and imageio/Pillow turn the
frames into the GIF preview; preview.py adapts it to the pipeline's Previewer port."""
