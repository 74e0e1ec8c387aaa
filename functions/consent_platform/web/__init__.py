"""What the public web edge needs beyond JSON: pages for no-JavaScript form posts, and QR codes."""
