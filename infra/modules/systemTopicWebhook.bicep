// One Event Grid subscription on an existing system topic, delivered to one of keyward's Event
// Grid functions. Creating it makes Event Grid validate the endpoint, so keyward must already be
// deployed and running.

import { keywardWebhookUrl } from 'keywardEvents.bicep'

@description('Name of the existing system topic.')
param systemTopicName string

@description('Name of the subscription.')
param name string

@description('keyward\'s host name, e.g. func-keyward-abc123.azurewebsites.net.')
param hostName string

@description('The keyward function the events go to.')
param functionName string

@secure()
@description('keyward\'s eventgrid_extension system key.')
param systemKey string

@description('Event types delivered.')
param includedEventTypes array

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: name
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: keywardWebhookUrl(hostName, functionName, systemKey)
      }
    }
    filter: {
      includedEventTypes: includedEventTypes
    }
  }
}
